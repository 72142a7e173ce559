/**
 * The key a per-address budget is kept under: an IPv4 address as it is (also written IPv4-mapped, `::ffff:a.b.c.d`),
 * an IPv6 address by its /64 prefix, which one subscriber usually holds whole (counting each of its 2^64 addresses
 * apart would be no bound at all). Anything else (`unknown`) is its own key.
 *
 * @example addressKey('2001:db8::1') // '2001:db8:0:0::/64'
 */
export const addressKey = (address: string): string => {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1] !== undefined) return mapped[1];
  if (!address.includes(':')) return address;
  const bare = address.split('%')[0] ?? address;
  const halves = bare.split('::');
  const groups = (part: string | undefined) => (part === undefined || part === '' ? [] : part.split(':'));
  const head = groups(halves[0]);
  const tail = halves.length > 1 ? groups(halves[1]) : [];
  const all =
    halves.length > 1
      ? [...head, ...Array<string>(Math.max(0, 8 - head.length - tail.length)).fill('0'), ...tail]
      : head;
  const prefix = all.slice(0, 4).map((group) => {
    const value = Number.parseInt(group, 16);
    return Number.isNaN(value) ? group.toLowerCase() : value.toString(16);
  });
  return `${prefix.join(':')}::/64`;
};
