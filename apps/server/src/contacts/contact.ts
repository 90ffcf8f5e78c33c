/** JSON value as stored in metadata. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };
export type Metadata = { [key: string]: JsonValue };

/** A contact as the domain and the stores see it (the HTTP layer maps it to the wire shape). */
export interface ContactRecord {
  id: string;
  workspaceId: string;
  externalId: string;
  displayName: string | null;
  email: string | null;
  avatarUrl: string | null;
  tags: string[];
  metadata: Metadata;
  /** Milliseconds since the epoch. */
  createdAt: number;
  updatedAt: number;
  /** 1 on create, +1 on every change; the ETag is made from it. */
  version: number;
}

/** The mutable fields of a contact. */
export type ContactFields = Pick<
  ContactRecord,
  "displayName" | "email" | "avatarUrl" | "tags" | "metadata"
>;

/** A merge patch of the mutable fields: absent = unchanged, null = cleared. */
export interface ContactPatch {
  displayName?: string | null;
  email?: string | null;
  avatarUrl?: string | null;
  tags?: string[] | null;
  metadata?: { [key: string]: JsonValue } | null;
}

/** A contact `_id`: `contact_` + a ULID. External ids may not have this shape (openapi.yaml), so a ref of this shape is an `_id`. */
export const CONTACT_ID_SHAPE = /^contact_[0-9A-HJKMNP-TV-Z]{26}$/;
