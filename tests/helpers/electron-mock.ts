/**
 * The one hand-written mock of the `electron` module, shared by every main-process and
 * preload unit test:
 *
 *   vi.mock('electron', () => import('./electron-mock.ts'));
 *   import { electronMock } from './electron-mock.ts';
 *
 * It imitates the parts of Electron's API that src/main and src/preload use, with the same
 * names and call shapes, and records what was done so tests can assert on it. It is faithful
 * where behaviour matters: `close` and `will-navigate` events can be prevented,
 * `nativeImage.createFromPath` reads the real file, `utilityProcess.fork` starts a real child
 * process (through child_process.fork, which our children's connectParentPort also speaks).
 * `resetElectronMock()` in a beforeEach gives every test a fresh Electron.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** An Electron event: `preventDefault()` is recorded so tests can see what main refused. */
export interface MockEvent {
  defaultPrevented: boolean;
  preventDefault(): void;
  [key: string]: unknown;
}

export function mockEvent<T extends object>(props: T = {} as T): MockEvent & T {
  return {
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
    ...props,
  };
}

// ---------------------------------------------------------------- frames, web contents, windows

let nextId = 1;

export class MockWebFrameMain {
  url: string;
  readonly parent: MockWebFrameMain | null;
  readonly processId: number;
  readonly routingId: number;

  constructor(url: string, parent: MockWebFrameMain | null = null) {
    this.url = url;
    this.parent = parent;
    this.processId = parent?.processId ?? nextId++;
    this.routingId = nextId++;
  }

  get top(): MockWebFrameMain {
    return this.parent ? this.parent.top : this;
  }
}

export class MockWebContents extends EventEmitter {
  readonly id = nextId++;
  readonly mainFrame = new MockWebFrameMain('');
  /** Every `send(channel, payload)` main made to this page. */
  readonly sent: { channel: string; payload: unknown }[] = [];
  windowOpenHandler: ((details: { url: string }) => { action: 'allow' | 'deny' }) | null = null;
  reloads = 0;
  #destroyed = false;

  getURL(): string {
    return this.mainFrame.url;
  }

  loadURL(url: string): Promise<void> {
    this.mainFrame.url = url;
    this.emit('did-start-navigation', mockEvent({ url, isMainFrame: true, isSameDocument: false }));
    return Promise.resolve();
  }

  send(channel: string, ...args: unknown[]): void {
    if (this.#destroyed) throw new Error('Object has been destroyed');
    this.sent.push({ channel, payload: args[0] });
  }

  reload(): void {
    this.reloads += 1;
    void this.loadURL(this.mainFrame.url);
  }

  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'allow' | 'deny' }): void {
    this.windowOpenHandler = handler;
  }

  isDestroyed(): boolean {
    return this.#destroyed;
  }

  destroy(): void {
    this.#destroyed = true;
    this.emit('destroyed');
  }

  /** Test helper: the renderer process dies, as Electron reports it (`reason` 'crashed', 'oom', 'clean-exit' …). */
  goneWith(reason: string, exitCode = reason === 'clean-exit' ? 0 : 139): void {
    this.emit('render-process-gone', mockEvent(), { reason, exitCode });
  }

  /**
   * Test helper: a same-document navigation (a link to `#fragment`) in the main frame. Like
   * Electron, no `will-navigate`: only `did-navigate-in-page`, after the URL changed.
   */
  navigateInPage(url: string): void {
    this.mainFrame.url = url;
    this.emit('did-navigate-in-page', mockEvent(), url, true, this.mainFrame.processId, this.mainFrame.routingId);
  }

  /** Test helper: the page tries to navigate; returns true when main prevented it. */
  tryNavigate(url: string): boolean {
    const event = mockEvent({ url, isMainFrame: true, frame: this.mainFrame });
    this.emit('will-navigate', event);
    return event.defaultPrevented;
  }
}

export class MockBrowserWindow extends EventEmitter {
  static readonly created: MockBrowserWindow[] = [];
  readonly id = nextId++;
  readonly options: Record<string, unknown>;
  readonly webContents = new MockWebContents();
  visible = false;
  focused = false;
  minimized = false;
  maximized = false;
  bounds: { x: number; y: number; width: number; height: number };
  #destroyed = false;

  constructor(options: Record<string, unknown> = {}) {
    super();
    this.options = options;
    const n = (key: string, fallback: number): number => (typeof options[key] === 'number' ? options[key] : fallback);
    this.bounds = { x: n('x', 100), y: n('y', 100), width: n('width', 800), height: n('height', 600) };
    MockBrowserWindow.created.push(this);
    electronMock.app.emit('web-contents-created', mockEvent(), this.webContents);
  }

  static getAllWindows(): MockBrowserWindow[] {
    return MockBrowserWindow.created.filter((w) => !w.isDestroyed());
  }

  loadURL(url: string): Promise<void> {
    return this.webContents.loadURL(url);
  }

  show(): void {
    this.visible = true;
    this.emit('show');
  }

  hide(): void {
    this.visible = false;
    this.emit('hide');
  }

  focus(): void {
    this.focused = true;
  }

  isVisible(): boolean {
    return this.visible;
  }

  isMinimized(): boolean {
    return this.minimized;
  }

  restore(): void {
    this.minimized = false;
  }

  maximize(): void {
    this.maximized = true;
    this.emit('maximize');
  }

  isMaximized(): boolean {
    return this.maximized;
  }

  getNormalBounds(): { x: number; y: number; width: number; height: number } {
    return { ...this.bounds };
  }

  /** Test helper: a person drags or resizes the window. */
  setBoundsByUser(bounds: { x: number; y: number; width: number; height: number }): void {
    this.bounds = { ...bounds };
    this.emit('move');
    this.emit('resize');
  }

  /** Like Electron: emits a preventable `close`; destroys the window unless prevented. */
  close(): void {
    const event = mockEvent();
    this.emit('close', event);
    if (!event.defaultPrevented) this.destroy();
  }

  destroy(): void {
    this.#destroyed = true;
    this.visible = false;
    this.webContents.destroy();
    this.emit('closed');
  }

  isDestroyed(): boolean {
    return this.#destroyed;
  }

  /** Test helper: the renderer painted its first frame. */
  becomeReady(): void {
    this.emit('ready-to-show');
  }
}

// ---------------------------------------------------------------- IPC

/** An IpcMainInvokeEvent as Electron builds it: the sending web contents and frame. */
export function invokeEvent(
  sender: MockWebContents,
  frame: MockWebFrameMain | null = sender.mainFrame,
): {
  sender: MockWebContents;
  senderFrame: MockWebFrameMain | null;
  processId: number;
  frameId: number;
} {
  return { sender, senderFrame: frame, processId: frame?.processId ?? -1, frameId: frame?.routingId ?? -1 };
}

class MockIpcMain extends EventEmitter {
  readonly handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();

  handle(channel: string, handler: (event: unknown, ...args: unknown[]) => unknown): void {
    // Electron throws on a second handler for the same channel; so do we.
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  /** Test helper: what `ipcRenderer.invoke` from `event.sender` would get back. */
  invoke(channel: string, event: ReturnType<typeof invokeEvent>, payload?: unknown): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) return Promise.reject(new Error(`No handler registered for '${channel}'`));
    return Promise.resolve(handler(event, payload));
  }
}

class MockIpcRenderer extends EventEmitter {
  readonly invocations: { channel: string; payload: unknown }[] = [];
  /** What main answers; tests replace it. */
  respond: (channel: string, payload: unknown) => unknown = () => ({ ok: true, value: null });

  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invocations.push({ channel, payload: args[0] });
    return Promise.resolve(this.respond(channel, args[0]));
  }

  /** Test helper: main sends an event; listeners get (event, payload) as in Electron. */
  deliver(channel: string, payload: unknown): void {
    this.emit(channel, { sender: this, senderId: 0, ports: [] }, payload);
  }

  send(): void {
    throw new Error('the preload must not use ipcRenderer.send');
  }

  sendSync(): never {
    throw new Error('the preload must not use ipcRenderer.sendSync');
  }
}

class MockContextBridge {
  readonly exposed = new Map<string, unknown>();

  exposeInMainWorld(key: string, api: unknown): void {
    if (this.exposed.has(key))
      throw new Error(`Cannot bind an API on top of an existing property on the window object: ${key}`);
    this.exposed.set(key, api);
  }
}

// ---------------------------------------------------------------- tray, menu, images, shortcuts

export class MockNativeImage {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  /** Real check: an icon file that does not exist (or is empty) gives an empty image. */
  isEmpty(): boolean {
    return !existsSync(this.path) || statSync(this.path).size === 0;
  }
}

export interface MockMenuItem {
  id?: string;
  label?: string;
  type?: string;
  enabled?: boolean;
  click?: () => void;
}

export class MockMenu {
  readonly items: MockMenuItem[];

  constructor(items: MockMenuItem[]) {
    this.items = items;
  }

  static buildFromTemplate(template: MockMenuItem[]): MockMenu {
    return new MockMenu(template.map((item) => ({ enabled: true, ...item })));
  }

  getMenuItemById(id: string): MockMenuItem | null {
    return this.items.find((item) => item.id === id) ?? null;
  }
}

export class MockTray extends EventEmitter {
  static readonly created: MockTray[] = [];
  image: MockNativeImage;
  tooltip = '';
  contextMenu: MockMenu | null = null;
  destroyed = false;

  constructor(image: MockNativeImage) {
    super();
    this.image = image;
    MockTray.created.push(this);
  }

  setImage(image: MockNativeImage): void {
    this.image = image;
  }

  setToolTip(tooltip: string): void {
    this.tooltip = tooltip;
  }

  setContextMenu(menu: MockMenu | null): void {
    this.contextMenu = menu;
  }

  destroy(): void {
    this.destroyed = true;
  }

  /** Test helper: a person picks a menu item. */
  clickItem(id: string): void {
    const item = this.contextMenu?.getMenuItemById(id);
    if (!item) throw new Error(`no tray menu item "${id}"`);
    if (item.enabled === false) throw new Error(`tray menu item "${id}" is disabled`);
    item.click?.();
  }
}

class MockGlobalShortcut {
  readonly registered = new Map<string, () => void>();
  /** Accelerators another app owns: register() returns false for them, as Electron does. */
  readonly takenByOtherApps = new Set<string>();

  register(accelerator: string, callback: () => void): boolean {
    if (this.takenByOtherApps.has(accelerator) || this.registered.has(accelerator)) return false;
    this.registered.set(accelerator, callback);
    return true;
  }

  unregister(accelerator: string): void {
    this.registered.delete(accelerator);
  }

  unregisterAll(): void {
    this.registered.clear();
  }

  isRegistered(accelerator: string): boolean {
    return this.registered.has(accelerator);
  }

  /** Test helper: a person presses the combination. */
  press(accelerator: string): void {
    const callback = this.registered.get(accelerator);
    if (!callback) throw new Error(`${accelerator} is not registered`);
    callback();
  }
}

// ---------------------------------------------------------------- session, shell, safeStorage

type HeadersListener = (
  details: { url: string; responseHeaders?: Record<string, string[]> },
  callback: (response: { responseHeaders?: Record<string, string[]>; cancel?: boolean }) => void,
) => void;

class MockSession extends EventEmitter {
  headersListener: HeadersListener | null = null;
  permissionRequestHandler:
    ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | null = null;
  permissionCheckHandler: ((...args: unknown[]) => boolean) | null = null;
  devicePermissionHandler: ((...args: unknown[]) => boolean) | null = null;
  readonly webRequest = {
    onHeadersReceived: (listener: HeadersListener) => {
      this.headersListener = listener;
    },
  };

  setPermissionRequestHandler(handler: MockSession['permissionRequestHandler']): void {
    this.permissionRequestHandler = handler;
  }

  setPermissionCheckHandler(handler: MockSession['permissionCheckHandler']): void {
    this.permissionCheckHandler = handler;
  }

  setDevicePermissionHandler(handler: MockSession['devicePermissionHandler']): void {
    this.devicePermissionHandler = handler;
  }

  /** Test helper: the headers a response ends up with after our listener. */
  respond(url: string, headers: Record<string, string[]> = {}): Promise<Record<string, string[]> | undefined> {
    return new Promise((resolve) => {
      if (!this.headersListener) resolve(headers);
      else this.headersListener({ url, responseHeaders: headers }, (response) => resolve(response.responseHeaders));
    });
  }
}

class MockShell {
  readonly opened: string[] = [];

  openExternal(url: string): Promise<void> {
    this.opened.push(url);
    return Promise.resolve();
  }
}

const ENCRYPTED_PREFIX = 'mock-keychain:';

class MockSafeStorage {
  available = true;
  backend: 'basic_text' | 'gnome_libsecret' | 'kwallet' | 'kwallet5' | 'kwallet6' | 'unknown' = 'gnome_libsecret';

  isEncryptionAvailable(): boolean {
    return this.available;
  }

  getSelectedStorageBackend(): string {
    return this.backend;
  }

  /** Reversible but not plain text, so a test can tell an encrypted blob from the key. */
  encryptString(plain: string): Buffer {
    if (!this.available)
      throw new Error(
        'Error while encrypting the text provided to safeStorage.encryptString. Encryption is not available.',
      );
    return Buffer.from(ENCRYPTED_PREFIX + Buffer.from(plain, 'utf8').reverse().toString('base64'));
  }

  decryptString(blob: Buffer): string {
    const text = blob.toString('utf8');
    if (!text.startsWith(ENCRYPTED_PREFIX))
      throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    return Buffer.from(text.slice(ENCRYPTED_PREFIX.length), 'base64').reverse().toString('utf8');
  }
}

class MockClipboard {
  text = '';

  writeText(text: string): Promise<void> {
    this.text = text;
    return Promise.resolve();
  }

  readText(): string {
    return this.text;
  }
}

// ---------------------------------------------------------------- utility processes

/** Electron's UtilityProcess over a real Node child: same events, same methods. */
export class MockUtilityProcess extends EventEmitter {
  pid: number | undefined = undefined;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
  readonly #child: ChildProcess;

  constructor(
    modulePath: string,
    args: string[],
    options: { env?: Record<string, string>; stdio?: unknown } & Record<string, unknown>,
  ) {
    super();
    type Io = 'pipe' | 'ignore' | 'inherit';
    const stdio: Io[] = Array.isArray(options.stdio) ? (options.stdio as Io[]) : ['ignore', 'inherit', 'inherit'];
    this.#child = fork(modulePath, args, {
      env: options.env ?? {},
      serialization: 'advanced',
      stdio: [stdio[0] ?? 'ignore', stdio[1] ?? 'inherit', stdio[2] ?? 'inherit', 'ipc'],
      execArgv: [],
    });
    this.stdout = this.#child.stdout;
    this.stderr = this.#child.stderr;
    this.#child.once('spawn', () => {
      this.pid = this.#child.pid;
      this.emit('spawn');
    });
    this.#child.on('message', (message) => this.emit('message', message));
    this.#child.on('error', (error) => this.emit('error', 'FatalError', error.message, ''));
    // Electron gives only a code; a signal death is reported as 128 + signal number on POSIX.
    this.#child.once('exit', (code, signal) => this.emit('exit', code ?? (signal ? 128 + signalNumber(signal) : 1)));
  }

  postMessage(message: unknown): void {
    if (!this.#child.connected) throw new Error('the utility process has exited');
    this.#child.send(message as never);
  }

  kill(): boolean {
    return this.#child.kill('SIGTERM');
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal] ?? 0;
}

class MockUtilityProcessModule {
  readonly forks: { modulePath: string; args: string[]; options: Record<string, unknown> }[] = [];

  fork(modulePath: string, args: string[] = [], options: Record<string, unknown> = {}): MockUtilityProcess {
    this.forks.push({ modulePath, args, options });
    return new MockUtilityProcess(modulePath, args, options);
  }
}

// ---------------------------------------------------------------- screen

class MockScreen {
  /** One 1920×1080 display by default; tests replace the list to unplug monitors. */
  displays = [
    { id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1040 }, bounds: { x: 0, y: 0, width: 1920, height: 1080 } },
  ];

  getAllDisplays(): MockScreen['displays'] {
    return this.displays.map((d) => ({ ...d }));
  }

  getPrimaryDisplay(): MockScreen['displays'][number] {
    return { ...this.displays[0]! };
  }
}

// ---------------------------------------------------------------- app

class MockApp extends EventEmitter {
  isPackaged = false;
  readonly paths = new Map<string, string>();
  hasSingleInstanceLock = true;
  quitCalls = 0;
  exitCode: number | null = null;
  sandboxEnabled = false;
  loginItem = { openAtLogin: false };
  readonly dock =
    process.platform === 'darwin' ? { hidden: false, hide() {}, show: () => Promise.resolve() } : undefined;

  getPath(name: string): string {
    return this.paths.get(name) ?? join(tmpdir(), 'earshot-electron-mock', name);
  }

  setPath(name: string, path: string): void {
    this.paths.set(name, path);
  }

  getVersion(): string {
    return '0.0.0-test';
  }

  getAppPath(): string {
    return process.cwd();
  }

  whenReady(): Promise<void> {
    return Promise.resolve();
  }

  isReady(): boolean {
    return true;
  }

  enableSandbox(): void {
    this.sandboxEnabled = true;
  }

  appUserModelId: string | null = null;

  setAppUserModelId(id: string): void {
    this.appUserModelId = id;
  }

  requestSingleInstanceLock(): boolean {
    return this.hasSingleInstanceLock;
  }

  /** Like Electron: `before-quit`, then a preventable `will-quit`, then (unless prevented) `quit`. */
  quit(): void {
    this.quitCalls += 1;
    this.emit('before-quit', mockEvent());
    const willQuit = mockEvent();
    this.emit('will-quit', willQuit);
    if (!willQuit.defaultPrevented) this.emit('quit', mockEvent(), 0);
  }

  exit(code = 0): void {
    this.exitCode = code;
  }

  setLoginItemSettings(settings: { openAtLogin?: boolean }): void {
    this.loginItem = { openAtLogin: settings.openAtLogin ?? false };
  }

  getLoginItemSettings(): { openAtLogin: boolean } {
    return { ...this.loginItem };
  }
}

// ---------------------------------------------------------------- the module

function createElectron() {
  return {
    app: new MockApp(),
    ipcMain: new MockIpcMain(),
    ipcRenderer: new MockIpcRenderer(),
    contextBridge: new MockContextBridge(),
    globalShortcut: new MockGlobalShortcut(),
    shell: new MockShell(),
    safeStorage: new MockSafeStorage(),
    clipboard: new MockClipboard(),
    utilityProcess: new MockUtilityProcessModule(),
    session: { defaultSession: new MockSession() },
    screen: new MockScreen(),
  };
}

/** The current mock instances (replaced wholesale by resetElectronMock). */
export const electronMock: ReturnType<typeof createElectron> = createElectron();

/** Fresh state for the next test; module-level bindings below keep pointing at the same objects. */
export function resetElectronMock(): void {
  const fresh = createElectron();
  for (const key of Object.keys(fresh) as (keyof typeof fresh)[]) {
    const target = electronMock[key] as object;
    const source = fresh[key] as object;
    // Keep object identity (the code under test holds references), take the fresh state.
    if (target instanceof EventEmitter) target.removeAllListeners();
    Object.assign(target, source);
  }
  MockBrowserWindow.created.length = 0;
  MockTray.created.length = 0;
}

export const app = electronMock.app;
export const ipcMain = electronMock.ipcMain;
export const ipcRenderer = electronMock.ipcRenderer;
export const contextBridge = electronMock.contextBridge;
export const globalShortcut = electronMock.globalShortcut;
export const shell = electronMock.shell;
export const safeStorage = electronMock.safeStorage;
export const clipboard = electronMock.clipboard;
export const utilityProcess = electronMock.utilityProcess;
export const session = electronMock.session;
export const screen = electronMock.screen;
export const BrowserWindow = MockBrowserWindow;
export const Tray = MockTray;
export const Menu = MockMenu;
export const nativeImage = { createFromPath: (path: string): MockNativeImage => new MockNativeImage(path) };

export default {
  app,
  ipcMain,
  ipcRenderer,
  contextBridge,
  globalShortcut,
  shell,
  safeStorage,
  clipboard,
  utilityProcess,
  session,
  screen,
  BrowserWindow,
  Tray,
  Menu,
  nativeImage,
};
