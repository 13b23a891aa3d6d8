/**
 * The fake Telegram Bot API in a process of its own (benchmarks): the app under test does not
 * share its event loop with the fake. Prints `port <n>`; on the message 'report' it sends back
 * the time of every successful sendMessage per chat, then exits on 'exit'.
 */
import { FakeTelegramApi } from '../test/helpers/fake-telegram-api.js';

const fake = await FakeTelegramApi.start();
process.stdout.write(`port ${fake.port}\n`);
process.on('message', async (m) => {
  if (m === 'report') {
    const sends = fake
      .callsTo('sendMessage')
      .filter((c) => !c.fault)
      .map((c) => [Number(c.payload.chat_id), c.at] as const);
    process.send?.({ sends });
  }
  if (m === 'exit') {
    await fake.close();
    process.exit(0);
  }
});
