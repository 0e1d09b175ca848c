import type { Command } from '../args.js';
import { catalog, listKind } from '../catalog.js';

export const listCommand: Command = {
  name: 'list',
  args: '[masks|rewinding|signs|models|datasets|presets]',
  summary: 'list the built-in mask strategies, rewind policies, sign metrics, models, datasets, presets',
  details: ['`prunekit describe <name>` shows the options, defaults and paper reference of one of them.'],
  options: {},
  examples: ['prunekit list presets', 'prunekit list'],
  positionals: [0, 1],
  async run(p, ctx) {
    const kind = p.positionals[0] === undefined ? undefined : listKind(p.positionals[0]);
    const sections = catalog().filter((s) => kind === undefined || s.kind === kind);
    const width = Math.max(...sections.flatMap((s) => s.items.map((i) => i.name.length)));
    const text = sections
      .map((s) => {
        const head = `${plural(s.what)}${s.field ? ` (recipe field ${s.field}.name)` : ''}:`;
        return [head, ...s.items.map((i) => `  ${i.name.padEnd(width)}  ${i.description}`)].join('\n');
      })
      .join('\n\n');
    ctx.result(text, {
      sections: sections.map((s) => ({
        kind: s.kind,
        what: s.what,
        ...(s.field ? { field: s.field } : {}),
        items: s.items.map((i) => ({
          name: i.name,
          description: i.description,
          ...(i.reference ? { reference: i.reference } : {}),
        })),
      })),
    });
    return 0;
  },
};

function plural(what: string): string {
  return what.endsWith('y') ? `${what.slice(0, -1)}ies` : `${what}s`;
}
