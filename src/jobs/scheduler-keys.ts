/** The job scheduler keys the job systems register: the heartbeat, and one per configured schedule. */
export const HEARTBEAT_SCHEDULE = 'heartbeat';
export const SCHEDULE_PREFIX = 'schedule-';
