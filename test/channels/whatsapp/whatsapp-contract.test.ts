import { describeConversationContract } from '../../contract/conversation.contract.js';
import { createWhatsappHarness } from '../../helpers/whatsapp-harness.js';

describeConversationContract(createWhatsappHarness);
