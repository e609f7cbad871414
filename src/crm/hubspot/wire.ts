import type {
  PublicAssociationMultiWithLabel,
  PublicFetchAssociationsBatchRequest,
} from '@hubspot/api-client/lib/codegen/crm/associations/v4/index.js';
import type {
  BatchReadInputSimplePublicObjectId,
  PublicObjectSearchRequest,
  SimplePublicObject,
  SimplePublicObjectBatchInput,
} from '@hubspot/api-client/lib/codegen/crm/objects/index.js';
import type { PublicOwner } from '@hubspot/api-client/lib/codegen/crm/owners/index.js';
import type {
  Property,
  PropertyCreate,
  PropertyGroupCreate,
} from '@hubspot/api-client/lib/codegen/crm/properties/index.js';
import { z } from 'zod';

/**
 * The SDK's models as JSON carries them: its classes deserialise timestamps into `Date`,
 * while the wire has ISO strings; its enums are plain strings on the wire. The adapter
 * and the stand-in both speak this form.
 */
export type Wire<T> = T extends Date
  ? string
  : T extends string
    ? `${T}`
    : T extends ReadonlyArray<infer U>
      ? Wire<U>[]
      : T extends object
        ? { [K in keyof T]: Wire<T[K]> }
        : T;

export type WireObject = Wire<SimplePublicObject>;
export type WireProperty = Wire<Property>;
export type WireOwner = Wire<PublicOwner>;
/** The SDK renames `from` to `_from`; JSON says `from`. */
export type WireAssociations = Omit<Wire<PublicAssociationMultiWithLabel>, '_from'> & {
  from: { id: string };
};

export type BatchReadRequest = Wire<BatchReadInputSimplePublicObjectId>;
export type BatchUpdateRequest = { inputs: Wire<SimplePublicObjectBatchInput>[] };
export type SearchRequest = Wire<PublicObjectSearchRequest>;
export type AssociationsBatchRequest = { inputs: Wire<PublicFetchAssociationsBatchRequest>[] };
export type PropertyCreateRequest = Wire<PropertyCreate>;
export type PropertyGroupCreateRequest = Wire<PropertyGroupCreate>;

/** HubSpot's hard cap on inputs per batch request. */
export const BATCH_LIMIT = 100;
/** The most results one page of the objects list returns. */
export const LIST_LIMIT = 100;

const paging = z
  .object({ next: z.object({ after: z.string() }).loose().optional() })
  .loose()
  .optional();

export const objectSchema = z
  .object({
    id: z.string().min(1),
    properties: z.record(z.string(), z.string().nullable()),
    createdAt: z.string(),
    updatedAt: z.string(),
    archived: z.boolean().optional(),
  })
  .loose();

export const objectPageSchema = z.object({ results: z.array(objectSchema), paging }).loose();

export const searchPageSchema = z
  .object({ total: z.number().int().min(0), results: z.array(objectSchema), paging })
  .loose();

/** Batch responses: 200 with `results`, or 207 with `errors` beside the results that worked. */
export const batchObjectsSchema = z
  .object({
    status: z.string(),
    results: z.array(objectSchema),
    errors: z
      .array(
        z
          .object({
            category: z.string().optional(),
            message: z.string().optional(),
            context: z.record(z.string(), z.array(z.string())).optional(),
          })
          .loose(),
      )
      .optional(),
  })
  .loose();

export const associationsBatchSchema = z
  .object({
    results: z.array(
      z
        .object({
          from: z.object({ id: z.string() }).loose(),
          to: z.array(z.object({ toObjectId: z.union([z.number(), z.string()]) }).loose()),
          paging,
        })
        .loose(),
    ),
  })
  .loose();

export const associationsPageSchema = z
  .object({
    results: z.array(z.object({ toObjectId: z.union([z.number(), z.string()]) }).loose()),
    paging,
  })
  .loose();

export const propertySchema = z
  .object({
    name: z.string().min(1),
    label: z.string(),
    type: z.string(),
    fieldType: z.string(),
    groupName: z.string().optional(),
    referencedObjectType: z.string().optional(),
    options: z
      .array(
        z.object({ label: z.string(), value: z.string(), hidden: z.boolean().optional() }).loose(),
      )
      .default([]),
    archived: z.boolean().optional(),
  })
  .loose();

export const propertiesSchema = z.object({ results: z.array(propertySchema) }).loose();

export const propertyGroupSchema = z.object({ name: z.string(), label: z.string() }).loose();

export const ownersPageSchema = z
  .object({
    results: z.array(
      z
        .object({
          id: z.string(),
          email: z.string().optional(),
          firstName: z.string().optional(),
          lastName: z.string().optional(),
          archived: z.boolean().optional(),
        })
        .loose(),
    ),
    paging,
  })
  .loose();

/** HubSpot's error body: `category` says what went wrong, `message` says it in English. */
export const errorBodySchema = z
  .object({
    status: z.string().optional(),
    message: z.string().optional(),
    category: z.string().optional(),
    correlationId: z.string().optional(),
    errorType: z.string().optional(),
    policyName: z.string().optional(),
    errors: z
      .array(
        z
          .object({
            message: z.string().optional(),
            context: z.record(z.string(), z.array(z.string())).optional(),
          })
          .loose(),
      )
      .optional(),
  })
  .loose();

export type ErrorBody = z.output<typeof errorBodySchema>;
