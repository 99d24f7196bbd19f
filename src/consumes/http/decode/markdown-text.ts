/**
 * Plain text of markdown (mdast) nodes, for the markdown format's table cells and sections.
 *
 * Inline: text and inline code as written (entities and escapes already decoded by the parser),
 * a soft line break as a space, a hard break as a newline, an image as its alt text; raw HTML is
 * left out. Blocks (paragraphs, list items, quotes, code blocks) are joined by newlines.
 */

import type { Nodes } from 'mdast';

/** The inline text of a node and its descendants. */
export function inlineText(node: Nodes): string {
  switch (node.type) {
    case 'text':
      // Inside a paragraph, a line ending is a soft break: it reads as a space.
      return node.value.replace(/\n/g, ' ');
    case 'inlineCode':
      return node.value;
    case 'break':
      return '\n';
    case 'image':
      return node.alt ?? '';
    case 'html':
      return '';
    default:
      return 'children' in node ? node.children.map((child) => inlineText(child)).join('') : '';
  }
}

/** The text of a block node, its child blocks one per line; empty lines are dropped. */
export function blockText(node: Nodes): string {
  switch (node.type) {
    case 'code':
      return node.value;
    case 'html':
    case 'thematicBreak':
    case 'definition':
      return '';
    case 'list':
    case 'listItem':
    case 'blockquote':
    case 'footnoteDefinition':
      return node.children
        .map((child) => blockText(child).trim())
        .filter((text) => text !== '')
        .join('\n');
    default:
      return inlineText(node);
  }
}
