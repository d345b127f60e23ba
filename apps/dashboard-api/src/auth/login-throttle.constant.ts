/** Name of the throttler that limits login attempts per client address. */
export const LOGIN_THROTTLER = 'login';
