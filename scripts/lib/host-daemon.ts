/**
 * A meshkeep daemon on a host of a HostNetwork: it runs inside the host's
 * namespace and listens on the host's address, on the default port (each
 * host has its own address, so there is nothing to collide with). The
 * control socket is a path on the shared filesystem, so the CLI and the
 * caller reach it from the root namespace as usual.
 */
import { DaemonProcess, type DaemonStartOptions } from './daemon-process.js'
import type { Host, HostNetwork, LinkRate } from './netns.js'

/** meshkeep's default listen port. */
export const MESH_PORT = 4710

/** The DaemonStartOptions that put a daemon on `host`. */
export function onHost(host: Host): Required<Pick<DaemonStartOptions, 'listen' | 'prefix'>> {
  return { listen: [`/ip4/${host.address}/tcp/${MESH_PORT}`], prefix: [...host.exec] }
}

/** Adds host `name` to `net` (with `rate`, if given) and starts a daemon on it. */
export async function startOnNewHost(
  net: HostNetwork,
  name: string,
  rate: LinkRate | undefined,
  options: DaemonStartOptions
): Promise<{ host: Host; daemon: DaemonProcess }> {
  const host = await net.addHost(name, rate)
  const daemon = await DaemonProcess.start({ ...options, ...onHost(host) })
  return { host, daemon }
}
