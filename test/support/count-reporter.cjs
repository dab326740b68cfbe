// Mocha reporter: the spec reporter's output, then the closing line CI reads
// ("N passed, N failed, N skipped"). When KFLEET_COUNTS is set, the counts are also appended to
// that file as JSON so .ci/run can add up several tiers.
const Mocha = require('mocha');
const fs = require('node:fs');

class CountReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once('end', () => {
      const s = runner.stats;
      const counts = { passed: s.passes, failed: s.failures, skipped: s.pending };
      if (process.env.KFLEET_COUNTS) fs.appendFileSync(process.env.KFLEET_COUNTS, JSON.stringify(counts) + '\n');
      console.log(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
    });
  }
}
module.exports = CountReporter;
