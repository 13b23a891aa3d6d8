import { describeConversationContract } from '../../contract/conversation.contract.js';
import { createTelegramHarness } from '../../helpers/telegram-harness.js';

describeConversationContract(createTelegramHarness);
