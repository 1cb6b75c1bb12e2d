export const JOB_QUEUES = Symbol('JOB_QUEUES');
