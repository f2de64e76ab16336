// Deployment settings of the web client. Edit on the server (no build step).
export const config = {
  // Origins of the pages allowed to hand this client a token with postMessage when they embed
  // it in an <iframe> (docs/DEPLOY.md, "The web client"), e.g. ["https://www.example.com"].
  // Empty: only the #token= link and MessagingClient.setToken() sign in.
  platformOrigins: [],
};
