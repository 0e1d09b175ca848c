import { PruneError } from '@prunekit/core';
import type { VegaLiteSpec } from './plot.js';

/** A rendered plot: the SVG text and what Vega-Lite warned about while compiling the spec. */
export interface RenderedSvg {
  readonly svg: string;
  readonly warnings: readonly string[];
}

/**
 * Render a Vega-Lite spec to standalone SVG text in Node, without a browser (Vega's headless
 * view). The spec's data must be inline. Throws `E_INTERNAL` naming `name` if the spec does not
 * compile or render.
 *
 * @example
 * ```ts
 * const { svg } = await renderSvg(accuracyDensity.spec(data)!, 'accuracy-density');
 * ```
 */
export async function renderSvg(spec: VegaLiteSpec, name = 'plot'): Promise<RenderedSvg> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const warnings: string[] = [];
  const text = (args: readonly unknown[]) => args.map(String).join(' ');
  const logger = {
    level(_?: number) {
      return logger as never;
    },
    warn: (...args: unknown[]) => {
      warnings.push(text(args));
      return logger as never;
    },
    info: () => logger as never,
    debug: () => logger as never,
    error: (...args: unknown[]) => {
      throw new Error(text(args));
    },
  };
  let view: InstanceType<typeof vega.View> | undefined;
  try {
    const compiled = vl.compile(spec, { logger: logger as never }).spec;
    view = new vega.View(vega.parse(compiled), {
      renderer: 'none',
      logLevel: vega.Warn,
      logger: logger as never,
    });
    const svg = await view.toSVG();
    return { svg: svg.endsWith('\n') ? svg : `${svg}\n`, warnings };
  } catch (e) {
    throw new PruneError('E_INTERNAL', `plot '${name}' could not be rendered: ${(e as Error).message}`, {
      cause: e,
      hint: 'the plot returned an invalid Vega-Lite spec; check it in the Vega editor offline or fix the plot',
      where: name,
    });
  } finally {
    view?.finalize();
  }
}
