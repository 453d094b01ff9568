// The site's search: one prebuilt index (search-index.json: pages' sections and every API name),
// fetched on first use and scored here. No server, no library: a few hundred lines of data and this.
const input = document.getElementById('search');
const list = document.getElementById('search-results');
const base = document.body.dataset.base ?? './';
const LIMIT = 12;
let index;

async function load() {
  index ??= fetch(`${base}search-index.json`).then((response) => response.json());
  return index;
}

/** Higher is better: the name or title matched whole, then at its start, then inside; then the text. */
function score(entry, query, terms) {
  const title = entry.t.toLowerCase();
  const leaf = title.split('.').pop();
  let points = 0;
  if (title === query || leaf === query) points += 100;
  else if (title.startsWith(query) || leaf.startsWith(query)) points += 40;
  else if (title.includes(query)) points += 20;
  const text = entry.x.toLowerCase();
  for (const term of terms) {
    if (title.includes(term)) points += 5;
    if (text.includes(term)) points += 1;
  }
  // A name in the reference beats the pages that mention it; a top-level export beats a member.
  if (points > 0 && entry.k === 'api') points += title.includes('.') ? 1 : 3;
  return points;
}

function show(results) {
  list.replaceChildren(
    ...results.map((entry) => {
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.href = `${base}${entry.u}`;
      link.textContent = entry.t;
      const where = document.createElement('small');
      where.textContent = entry.s;
      link.append(where);
      item.append(link);
      return item;
    }),
  );
  list.hidden = results.length === 0;
}

async function search() {
  const query = input.value.trim().toLowerCase();
  if (query.length < 2) return show([]);
  const terms = query.split(/\s+/);
  const entries = await load();
  if (input.value.trim().toLowerCase() !== query) return; // typed on while loading
  const ranked = entries
    .map((entry) => ({ entry, points: score(entry, query, terms) }))
    .filter((result) => result.points > 0)
    .sort((a, b) => b.points - a.points || a.entry.t.length - b.entry.t.length)
    .slice(0, LIMIT)
    .map((result) => result.entry);
  show(ranked);
}

input.addEventListener('input', () => void search());
input.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') list.querySelector('a')?.click();
  if (event.key === 'Escape') show([]);
});
document.addEventListener('click', (event) => {
  if (!event.target.closest('.search')) list.hidden = true;
});
