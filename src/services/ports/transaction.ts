/**
 * The database adapter registers its transaction type here (declaration merging, see
 * db/client.ts). A service hands a transaction from one port to another (the write and
 * its record commit together, docs/guarantees.md#g19) without importing the adapter that runs it.
 */
// biome-ignore lint/suspicious/noEmptyInterface: the database adapter fills it in.
export interface TransactionRegistry {}

/** A transaction of Scout's database, as services pass it between ports. */
export type Tx = TransactionRegistry extends { readonly tx: infer T } ? T : never;
