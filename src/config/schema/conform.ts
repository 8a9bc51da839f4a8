/**
 * `Conform<Parsed, KernelType>` is `Parsed`, and fails to compile unless `Parsed` is assignable to the
 * plain type a worker-side kernel takes. Kernels cannot import zod (they run in worker threads, below the
 * config layer), so each schema checks here that what it parses is what the kernel accepts.
 */
export type Conform<Parsed extends KernelType, KernelType> = Parsed;
