// The built portal as a process and a headless Chromium, for the tests that drive them (shared with bench:portal).
export { launchBrowser, startPortal } from '~/stack/portal';
export { stopProcess } from '~/stack/processes';
