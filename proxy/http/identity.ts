// The caller's identity as the app sees it. The inbound proxy sets IDENTITY_HEADER to the
// `<namespace>/<service>` of the caller's verified mTLS certificate (http/peer.ts), after
// dropping whatever value the request carried; the outbound proxy removes any value the app
// sent. It is information for the app, never an input to a decision.
export const IDENTITY_HEADER = 'x-plexus-source';
