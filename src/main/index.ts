// Placeholder composition root; the Electron shell issue replaces it.
import { app } from 'electron';

void app.whenReady();
