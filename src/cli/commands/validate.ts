import { formatProblem, HullError, type ValidationProblem } from '../../errors.js';
import { parseReference } from '../../transport/reference.js';
import { outputFormat } from '../args.js';
import { type CommandSpec, formatOption, UsageError } from '../command.js';
import { printJSON } from '../output.js';

export const validateCommand: CommandSpec = {
  name: 'validate',
  summary:
    'Validate an image layout (every document, blob digest and layer diff_id) or a runtime bundle. Exits 0 when valid, 1 listing every problem with its file, JSON path and spec section.',
  usage: 'validate [OPTIONS] image oci:DIR[:TAG] | bundle BUNDLE_DIR',
  positionals: [2, 2],
  options: { format: formatOption },
  async run(args) {
    const [kind, target] = args.positionals as [string, string];
    const format = outputFormat(args, ['text', 'json'], 'text');
    let problems: ValidationProblem[];
    if (kind === 'image') {
      const ref = parseReference(target);
      if (ref.transport !== 'oci')
        throw new HullError('TRANSPORT_UNSUPPORTED', `validate image takes oci:DIR[:TAG], not '${target}'`);
      const { validateImageLayout } = await import('../../image/validate-image.js');
      problems = await validateImageLayout(ref.dir, ref.tag);
    } else if (kind === 'bundle') {
      const { validateBundle } = await import('../../image/bundle/validate-bundle.js');
      problems = validateBundle(target);
    } else {
      throw new UsageError(`validate what? 'image' or 'bundle', not '${kind}'`);
    }
    if (format === 'json') printJSON({ valid: problems.length === 0, problems });
    else if (problems.length) for (const p of problems) process.stderr.write(`${formatProblem(p)}\n`);
    else process.stdout.write(`${target}: valid\n`);
    return problems.length ? 1 : 0;
  },
};
