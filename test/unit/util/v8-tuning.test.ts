// The server's V8 interrupt budget gives way to one set on node's own command line.
import assert from 'node:assert/strict';
import { budgetOnCommandLine } from '../../../src/util/v8-tuning.js';

describe('util/v8-tuning', () => {
  it('sees a budget set on the command line, in either spelling, with or without a value', () => {
    for (const argv of [['--interrupt-budget=4096'], ['--interrupt_budget=4096'], ['--trace-gc', '--interrupt-budget']]) {
      assert.equal(budgetOnCommandLine(argv), true, argv.join(' '));
    }
  });

  it('does not take other flags, or flags that only begin like it, for one', () => {
    for (const argv of [[], ['--max-lazy'], ['--interrupt-budget-for-maglev=100'], ['--interrupt-budget-factor-for-feedback-allocation=8']]) {
      assert.equal(budgetOnCommandLine(argv), false, argv.join(' '));
    }
  });
});
