// Entry point: one live store for the app, started once, and the shell.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { LiveProvider } from './lib/live';
import { browserLiveStore } from './lib/live-store';
import './styles.css';

const store = browserLiveStore();
store.start();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <LiveProvider store={store}>
      <App />
    </LiveProvider>
  </StrictMode>,
);
