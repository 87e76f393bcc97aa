// Registers kobo-shelf's service worker (sw.js) with the cache's bounds, and runs the "Save
// for offline" buttons: each names the addresses to keep (`data-save`: a JSON list, or
// `data-save-books` to keep every book page the read API lists), and says how far it got.
// The page includes this script only for a reader who may see the library.

(() => {
  if (!('serviceWorker' in navigator)) return;
  const script = document.currentScript;
  const bounds = new URLSearchParams({ pages: script.dataset.pages, mb: script.dataset.mb });
  navigator.serviceWorker.register(`/sw.js?${bounds}`).catch((error) => console.warn('offline pages unavailable:', error));
  const showSaveButtons = () => {
    for (const button of document.querySelectorAll('button[data-save], button[data-save-books]')) button.hidden = false;
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', showSaveButtons);
  else showSaveButtons();

  document.addEventListener('click', async (event) => {
    const button = event.target.closest?.('button[data-save], button[data-save-books]');
    if (!button) return;
    event.preventDefault();
    const status = button.parentElement.querySelector('.save-status');
    const say = (text) => { if (status) status.textContent = text; };
    const worker = (await navigator.serviceWorker.ready).active;
    let addresses = [];
    try {
      addresses = button.dataset.save ? JSON.parse(button.dataset.save) : await everyBook();
    } catch (error) {
      say('The list of books could not be read.');
      return;
    }
    button.disabled = true;
    say(`Saving 0 of ${addresses.length}…`);
    const listen = (message) => {
      const { saved, of } = message.data || {};
      if (saved === undefined) return;
      say(saved === of ? `Saved for offline (${of} ${of === 1 ? 'page' : 'pages and images'}).` : `Saving ${saved} of ${of}…`);
      if (saved === of) {
        navigator.serviceWorker.removeEventListener('message', listen);
        button.disabled = false;
      }
    };
    navigator.serviceWorker.addEventListener('message', listen);
    worker.postMessage({ save: addresses });
  });

  /** The library page and every book's page and cover, from the read API. */
  async function everyBook() {
    const response = await fetch('/api/v1/books', { credentials: 'same-origin' });
    if (!response.ok) throw new Error(`the read API answered ${response.status}`);
    const { books } = await response.json();
    const pages = books.map((book) => `/book?id=${encodeURIComponent(book.id)}`);
    const covers = books.map((book) => `/cover?id=${encodeURIComponent(book.id)}`);
    return ['/', ...pages, ...covers];
  }
})();
