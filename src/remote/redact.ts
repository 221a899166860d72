/**
 * Credentials must never reach a message, log or error (DESIGN §2.4): user:password in URLs, signed-URL
 * query parameters, and the values of the AWS credential variables wherever they appear.
 */
const SECRET_ENV = ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ACCESS_KEY_ID', 'AWS_SECURITY_TOKEN'];

export function redact(text: string): string {
  let out = text
    .replace(/\/\/[^/\s@]*@/g, '//***@')
    .replace(/(X-Amz-(?:Signature|Credential|Security-Token)=)[^&\s]+/gi, '$1***')
    .replace(/((?:Signature|AWSAccessKeyId|Credential)=)[^,&\s]+/g, '$1***');
  for (const name of SECRET_ENV) {
    const value = process.env[name];
    if (value && value.length >= 4) out = out.split(value).join('***');
  }
  return out;
}
