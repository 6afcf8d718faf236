import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './platform/App';
import { initialLocale, loadDictionary } from './platform/i18n';
import { startSessionTimer } from './api/session';
import './platform/styles.css';

const locale = initialLocale();
document.documentElement.lang = locale;
startSessionTimer();
const dictionary = await loadDictionary(locale);
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App locale={locale} dictionary={dictionary} />
  </StrictMode>,
);
