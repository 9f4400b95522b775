import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The floor for the acknowledgement benchmark: a Bolt app over HTTP that verifies the signature and acks
 * the slash command, nothing else. Run as its own process, like prod-access's `all` process.
 */
const receiver = new HTTPReceiver({ signingSecret: process.env.SLACK_SIGNING_SECRET! });
// Bolt authorizes each event with auth.test (once, then cached): against the same Slack stand-in as the app.
const app = new App({
  token: process.env.SLACK_BOT_TOKEN!,
  receiver,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
  logLevel: LogLevel.ERROR,
  tokenVerificationEnabled: false,
});
app.command('/prod-access', async ({ ack }) => ack());

const server = createServer(receiver.requestListener);
server.listen(0, '127.0.0.1', () => console.log(`ready ${(server.address() as AddressInfo).port}`));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
