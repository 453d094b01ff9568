/**
 * One Markdown page to HTML with `marked`: headings get GitHub's anchors, links to other pages are
 * rewritten from `.md` to their `.html`, and the page is cut into sections for the search index.
 */
import { Marked, type Tokens } from 'marked';
import { htmlPath } from './markdown-files.js';
import { plainText, slugger } from './slug.js';

/** A heading and the text under it, up to the next heading of level 2 or 3. */
export interface Section {
  readonly title: string;
  /** The heading's anchor; empty for the text before the first section heading. */
  readonly anchor: string;
  readonly text: string;
}

/** A rendered page. */
export interface RenderedPage {
  /** The first heading's text. */
  readonly title: string;
  readonly html: string;
  readonly sections: readonly Section[];
}

const EXTERNAL = /^(?:[a-z][a-z0-9+.-]*:|\/\/|#)/i;

/** `guide/x.md#a` → `guide/x.html#a`; external links, anchors and other files are kept. */
export function rewriteHref(href: string): string {
  if (EXTERNAL.test(href)) return href;
  const [path = '', hash] = href.split('#', 2);
  if (!path.endsWith('.md')) return href;
  const rewritten = htmlPath(path);
  return hash === undefined ? rewritten : `${rewritten}#${hash}`;
}

const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Renders one page's Markdown. */
export function renderPage(markdown: string): RenderedPage {
  const slug = slugger();
  const marked = new Marked({ gfm: true });
  marked.use({
    renderer: {
      heading(this: { parser: { parseInline(tokens: Tokens.Heading['tokens']): string } }, { tokens, depth, text }: Tokens.Heading) {
        const id = escapeHtml(slug(plainText(text)));
        return `<h${depth} id="${id}"><a class="anchor" href="#${id}">#</a>${this.parser.parseInline(tokens)}</h${depth}>\n`;
      },
    },
  });
  const tokens = marked.lexer(markdown);
  marked.walkTokens(tokens, (token) => {
    if (token.type === 'link' || token.type === 'image') token.href = rewriteHref(token.href);
  });
  const sections: Section[] = [];
  const sectionSlug = slugger();
  let title = '';
  let current = { title: '', anchor: '', text: [] as string[] };
  for (const token of tokens) {
    if (token.type === 'heading') {
      const text = plainText(token.text);
      const anchor = sectionSlug(text);
      if (token.depth === 1 && title === '') {
        title = text;
        current.title = text;
        continue;
      }
      if (token.depth <= 3) {
        sections.push({ title: current.title, anchor: current.anchor, text: current.text.join(' ') });
        current = { title: text, anchor, text: [] };
        continue;
      }
    }
    if (token.type !== 'html') current.text.push(plainText(token.raw).replace(/\s+/g, ' ').trim());
  }
  sections.push({ title: current.title, anchor: current.anchor, text: current.text.join(' ') });
  return { title, html: marked.parser(tokens), sections: sections.filter((section) => section.title !== '' || section.text !== '') };
}
