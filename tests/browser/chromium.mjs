// Debian's headless Chromium driven by playwright-core, with a persistent
// profile directory so a test can close the browser and relaunch it on the
// same profile (OPFS survives, as it would for a user).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const launchOptions = {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

/** A running browser on a profile directory that outlives it. */
export class BrowserSession {
  /** @param {string} userDataDir @param {import('playwright-core').BrowserContext} context */
  constructor(userDataDir, context) {
    this.userDataDir = userDataDir;
    this.context = context;
  }

  /** Launches Chromium on `userDataDir`, or on a fresh temporary profile. */
  static async launch(userDataDir) {
    const dir = userDataDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'sds-wasm-chromium-')));
    return new BrowserSession(dir, await chromium.launchPersistentContext(dir, launchOptions));
  }

  /** Opens a page at `url`, recording its console errors and uncaught exceptions. */
  async open(url) {
    const page = new TestPage(await this.context.newPage());
    await page.goto(url);
    return page;
  }

  /** Closes the browser and starts a new one on the same profile. */
  async relaunch() {
    await this.context.close();
    this.context = await chromium.launchPersistentContext(this.userDataDir, launchOptions);
  }

  /** Closes the browser and deletes the profile. */
  async dispose() {
    await this.context.close();
    await fs.rm(this.userDataDir, { recursive: true, force: true });
  }
}

/** A page plus the errors it reported (its workers' console output included). */
export class TestPage {
  /** @param {import('playwright-core').Page} page */
  constructor(page) {
    this.page = page;
    /** @type {string[]} */
    this.errors = [];
    page.on('console', (message) => {
      if (message.type() === 'error') this.errors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => this.errors.push(`uncaught: ${error.message}`));
    page.on('crash', () => this.errors.push('page crashed'));
  }

  async goto(url) {
    await this.page.goto(url, { waitUntil: 'load' });
  }

  async reload() {
    await this.page.reload({ waitUntil: 'load' });
  }

  /**
   * Runs `fn(arg)` in the page and returns its (structured-clonable) result.
   * `fn` is serialised, so it must not close over test-side variables.
   */
  run(fn, arg) {
    return this.page.evaluate(fn, arg);
  }

  async close() {
    await this.page.close({ runBeforeUnload: false });
  }
}
