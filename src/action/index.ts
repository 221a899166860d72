// The Action's entry point (bundled into dist/action.js): everything happens in run().
import { run } from './run.js';

await run();
