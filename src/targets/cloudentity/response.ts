/** The `Error` body `{status_code, error, error_code, details}` (contracts/cloudentity.md §6). */
export function cloudentityErrorMessage(
  text: string,
  status: number,
): { message: string; vendorCode?: string } {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const message =
      typeof body.error === 'string' && body.error !== ''
        ? body.error
        : typeof body.message === 'string'
          ? body.message
          : undefined;
    if (message !== undefined) {
      return {
        message,
        ...(typeof body.error_code === 'string' && body.error_code !== ''
          ? { vendorCode: body.error_code }
          : {}),
      };
    }
  } catch {
    // not JSON: fall through to the status
  }
  return { message: `HTTP ${status}` };
}
