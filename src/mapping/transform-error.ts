/** A value a transform cannot convert. The message never contains the value (it may be PII). */
export class TransformError extends Error {}
