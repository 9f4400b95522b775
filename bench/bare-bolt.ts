import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The floor for the acknowledgement benchmark: a Bolt app over HTTP that verifies the signature and acks
 * the slash command, nothing else. Run as its own process, like prod-access's `all` process.
 */
const receiver = new HTTPReceiver({ signingSecret: process.env.SLACK_SIGNING_SECRET! });
// Given a token, Bolt calls auth.test before every event (the stand-in then rate-limits the floor itself):
// like the app, it authorizes without calling Slack.
const app = new App({
  authorize: async () => ({ botToken: process.env.SLACK_BOT_TOKEN! }),
  receiver,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
  logLevel: LogLevel.ERROR,
});
app.command('/prod-access', async ({ ack }) => ack());

const server = createServer(receiver.requestListener);
server.listen(0, '127.0.0.1', () => console.log(`ready ${(server.address() as AddressInfo).port}`));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
