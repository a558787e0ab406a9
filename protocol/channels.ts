// Every IPC channel name, declared once. Main registers handlers for these, preload exposes them.
export const CHANNELS = {
  list: 'syncscope:list',
  capabilities: 'syncscope:capabilities',
} as const;

export type ChannelName = (typeof CHANNELS)[keyof typeof CHANNELS];
