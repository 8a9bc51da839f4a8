/**
 * The message a worker posts to say it loaded native code that must not be terminated mid-call (a leaf
 * module: the pool reads it, workers send it through `declareUnsafeToTerminate` in ./expose).
 */
export const UNSAFE_TO_TERMINATE_MESSAGE = 'rxvision:unsafe-to-terminate';
