// ObjectMeta validation of apimachinery (ValidateObjectMeta): label, annotation and finalizer syntax.

import type { StatusCause } from './errors.ts';
import type { ObjectMeta } from './types.ts';

const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const ANNOTATIONS_MAX_BYTES = 256 * 1024;

const NAME_PART_MESSAGE =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const PREFIX_MESSAGE =
  "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_VALUE_MESSAGE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

/** Problems with a qualified name (`[prefix/]name`), in the validation package's words. */
export const qualifiedNameErrors = (value: string): string[] => {
  const parts = value.split('/');
  if (parts.length > 2) {
    return [
      `a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]!];
  const errors: string[] = [];
  if (prefix !== undefined) {
    if (prefix.length === 0) errors.push('prefix part must be non-empty');
    else if (prefix.length > 253) errors.push('prefix part must be no more than 253 characters');
    else if (!DNS_SUBDOMAIN.test(prefix)) errors.push(PREFIX_MESSAGE);
  }
  if (!name) errors.push('name part must be non-empty');
  else if (name.length > 63) errors.push('name part must be no more than 63 characters');
  else if (!NAME_PART.test(name)) errors.push(NAME_PART_MESSAGE);
  return errors;
};

const invalidValue = (field: string, value: string, detail: string): StatusCause => ({
  reason: 'FieldValueInvalid',
  field,
  message: `Invalid value: ${JSON.stringify(value)}: ${detail}`,
});

export const validateObjectMeta = (meta: ObjectMeta): StatusCause[] => {
  const causes: StatusCause[] = [];
  for (const [key, value] of Object.entries(meta.labels ?? {})) {
    for (const e of qualifiedNameErrors(key)) causes.push(invalidValue('metadata.labels', key, e));
    if (typeof value !== 'string') {
      causes.push({
        reason: 'FieldValueTypeInvalid',
        field: `metadata.labels.${key}`,
        message: 'must be a string',
      });
    } else if (value.length > 63) {
      causes.push(invalidValue('metadata.labels', value, 'must be no more than 63 characters'));
    } else if (!LABEL_VALUE.test(value)) {
      causes.push(invalidValue('metadata.labels', value, LABEL_VALUE_MESSAGE));
    }
  }
  let annotationBytes = 0;
  for (const [key, value] of Object.entries(meta.annotations ?? {})) {
    for (const e of qualifiedNameErrors(key.toLowerCase()))
      causes.push(invalidValue('metadata.annotations', key, e));
    if (typeof value !== 'string') {
      causes.push({
        reason: 'FieldValueTypeInvalid',
        field: `metadata.annotations.${key}`,
        message: 'must be a string',
      });
    }
    annotationBytes += Buffer.byteLength(key) + Buffer.byteLength(String(value));
  }
  if (annotationBytes > ANNOTATIONS_MAX_BYTES) {
    causes.push({
      reason: 'FieldValueTooLong',
      field: 'metadata.annotations',
      message: `Too long: may not be more than ${ANNOTATIONS_MAX_BYTES} bytes`,
    });
  }
  const finalizers: unknown = meta.finalizers;
  if (finalizers !== undefined && !Array.isArray(finalizers)) {
    causes.push({
      reason: 'FieldValueTypeInvalid',
      field: 'metadata.finalizers',
      message: 'must be a list of strings',
    });
  } else {
    (finalizers ?? []).forEach((f: unknown, i: number) => {
      const errors = typeof f === 'string' ? qualifiedNameErrors(f) : ['must be a string'];
      for (const e of errors) causes.push(invalidValue(`metadata.finalizers[${i}]`, String(f), e));
    });
  }
  return causes;
};
