import { lookup as lookupAll } from 'node:dns/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Where a webhook may be delivered. An admin must not be able to make the API knock on internal ports (loopback,
 * link-local cloud metadata, private networks, multicast) and read the status codes in the delivery log, so those
 * addresses are refused when the webhook is created and again at every delivery, on the addresses the connection
 * actually uses (a DNS answer that changes after creation, "DNS rebinding", is caught at delivery).
 */
const INTERNAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  INTERNAL.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv6');
}

export class WebhookTargetError extends Error {
  override name = 'WebhookTargetError';
}

/** Loopback, link-local, private, shared, reserved or multicast; IPv4-mapped IPv6 addresses are judged as IPv4. */
export function isInternalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return INTERNAL.check(mapped, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return INTERNAL.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The addresses a webhook host resolves to, refused whole when any is internal (unless allowed). */
export async function resolveWebhookHost(
  hostname: string,
  allowInternal: boolean,
): Promise<{ address: string; family: number }[]> {
  const host = hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  try {
    addresses = isIP(host)
      ? [{ address: host, family: isIP(host) }]
      : await lookupAll(host, { all: true, verbatim: true });
  } catch (error) {
    throw new WebhookTargetError(
      `cannot resolve ${host} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  const internal = addresses.find((a) => isInternalAddress(a.address));
  if (internal && !allowInternal) {
    throw new WebhookTargetError(
      `${host} resolves to ${internal.address}, a loopback, link-local, private or multicast address; webhooks go to public addresses unless FER_WEBHOOK_ALLOW_PRIVATE=true`,
    );
  }
  return addresses;
}

/**
 * POSTs a delivery, connecting only to the addresses that resolveWebhookHost accepted (the socket's own lookup does
 * the check, so no second DNS answer can slip in between). No redirects are followed.
 */
export async function postWebhook(
  url: URL,
  body: string,
  headers: Record<string, string>,
  options: { timeoutMs: number; allowInternal: boolean },
): Promise<number> {
  // An address literal never goes through `lookup`: check it here.
  if (isIP(url.hostname.replace(/^\[|\]$/g, ''))) await resolveWebhookHost(url.hostname, options.allowInternal);
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    resolveWebhookHost(hostname, options.allowInternal).then(
      (addresses) =>
        lookupOptions.all
          ? (callback as (error: null, addresses: { address: string; family: number }[]) => void)(null, addresses)
          : callback(null, addresses[0].address, addresses[0].family),
      (error: Error) => callback(error as NodeJS.ErrnoException, '', 0),
    );
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        lookup,
        timeout: options.timeoutMs,
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${options.timeoutMs / 1000} s`)));
    request.on('error', reject);
    request.end(body);
  });
}
