// Query parameters that carry a credential: a password-reset link, a WebSocket ticket, an OAuth code.
const SECRET_PARAM = /([?&](?:[\w.-]*(?:token|key|secret|password)|ticket|code|sig|signature)=)[^&#]*/gi;

/** The request URL as logs may keep it: the values of credential parameters are masked. */
export const loggableUrl = (url: string): string => url.replace(SECRET_PARAM, '$1***');
