/** One method of a port, as a decorator sees it. */
export type PortCall = (...args: unknown[]) => Promise<unknown>;

/**
 * The port with every function property replaced by `around(call, name)`, where `call` calls the original on
 * the port. A Proxy, so a method added to the port later is decorated too; other properties (a PSA's `kind`)
 * pass through. Each method is decorated once and then reused.
 */
export function aroundEachMethod<T extends object>(
  target: T,
  around: (call: PortCall, name: string) => PortCall,
): T {
  const decorated = new Map<string, PortCall>();
  return new Proxy(target, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop, obj);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      let fn = decorated.get(prop);
      if (!fn) {
        const method = value as PortCall;
        fn = around((...args) => method.apply(obj, args), prop);
        decorated.set(prop, fn);
      }
      return fn;
    },
  });
}
