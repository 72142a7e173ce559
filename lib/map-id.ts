/** A map id: what a coordinator, a host and a client may call a map. */
export const MAP_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
