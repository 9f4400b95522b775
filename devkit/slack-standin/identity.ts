/** The workspace and app the stand-in plays; shared by the server and the request builders so ids agree. */
export const STANDIN_TEAM = { id: 'T0STANDIN', domain: 'standin', name: 'Stand-in Workspace' } as const;

export const STANDIN_APP = {
  appId: 'A0STANDIN',
  botUserId: 'UBOT',
  botId: 'BBOT',
  botName: 'prod-access',
  /** Slack's deprecated verification token, still sent in every payload. */
  verificationToken: 'standin-verification-token',
} as const;
