/**
 * Test helper: Debian's headless Chromium through playwright-core, started the way this
 * machine needs (no sandbox as root, no background networking: the closed network refuses it).
 * @module
 */
import { type BrowserContext, chromium, type Page } from "playwright-core";

/** Where Debian's `chromium` package installs the browser. */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether the browser is installed (tests that need it are skipped, saying so, if not). */
export const hasChromium: boolean = await Deno.stat(CHROMIUM).then((s) => s.isFile, () => false);

/** A browser on a fresh profile folder, its first page, and the page's errors as they come. */
export interface BrowserPage {
  /** The browser; close it when done. */
  context: BrowserContext;
  /** Its first page, 1400 × 900. */
  page: Page;
  /** Uncaught page errors and console errors, in order. */
  pageErrors: string[];
}

/** Starts headless Chromium on the profile folder `profile` and opens its first page. */
export async function openPage(profile: string): Promise<BrowserPage> {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1400, height: 900 },
  });
  try {
    const page = context.pages()[0] ?? await context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("console", (m) => m.type() === "error" && pageErrors.push(m.text()));
    return { context, page, pageErrors };
  } catch (err) {
    await context.close();
    throw err;
  }
}
