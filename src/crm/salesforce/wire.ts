import { z } from 'zod';

/**
 * Salesforce REST API shapes Scout reads, from Salesforce's REST API reference. Objects are
 * loose: Salesforce adds fields with every release, and Scout reads only these.
 */
export const API_VERSION = 'v60.0';

/** One error as Salesforce's REST API returns them: a JSON array of these. */
export const errorSchema = z.looseObject({
  message: z.string(),
  errorCode: z.string(),
  fields: z.array(z.string()).optional(),
});
export const errorBodySchema = z.array(errorSchema);
export type SalesforceErrorBody = z.infer<typeof errorSchema>;

/** The OAuth token endpoint's answer (JWT bearer grant). */
export const tokenSchema = z.looseObject({
  access_token: z.string().min(1),
  instance_url: z.string().url(),
});
export const oauthErrorSchema = z.looseObject({
  error: z.string(),
  error_description: z.string().optional(),
});

/** A SOQL answer: one batch of records, and where the next batch is when `done` is false. */
export const queryResultSchema = z.looseObject({
  totalSize: z.number(),
  done: z.boolean(),
  nextRecordsUrl: z.string().optional(),
  records: z.array(z.record(z.string(), z.unknown())),
});

export const describeFieldSchema = z.looseObject({
  name: z.string(),
  label: z.string(),
  type: z.string(),
  updateable: z.boolean(),
  custom: z.boolean().optional(),
  referenceTo: z.array(z.string()).nullish(),
  picklistValues: z
    .array(z.looseObject({ value: z.string(), active: z.boolean(), label: z.string().nullish() }))
    .nullish(),
});
export type DescribeField = z.infer<typeof describeFieldSchema>;
export const describeSchema = z.looseObject({ fields: z.array(describeFieldSchema) });

/** sObject Collections update: one result per record, in the order sent. */
export const collectionResultsSchema = z.array(
  z.looseObject({
    id: z.string().nullish(),
    success: z.boolean(),
    errors: z.array(
      z.looseObject({
        statusCode: z.string(),
        message: z.string(),
        fields: z.array(z.string()).optional(),
      }),
    ),
  }),
);

/** Tooling API create. */
export const createdSchema = z.looseObject({ id: z.string(), success: z.boolean() });

/** An empty answer (204). */
export const noContentSchema = z.unknown();

/** `api-usage=25/15000` → used and allowed requests in the org's rolling 24 hours. */
export function parseLimitInfo(header: string | null): { used: number; max: number } | null {
  const m = /api-usage=(\d+)\/(\d+)/.exec(header ?? '');
  return m ? { used: Number(m[1]), max: Number(m[2]) } : null;
}
