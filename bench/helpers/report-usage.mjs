// Preloaded (`node --import`) into the process a benchmark measures: at exit, writes that whole process's CPU
// (user + system, every thread, setup and teardown included) and peak RSS as JSON to $FLASHCROWD_BENCH_USAGE.
import { writeFileSync } from 'node:fs';

const file = process.env.FLASHCROWD_BENCH_USAGE;
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ userUs: u.userCPUTime, systemUs: u.systemCPUTime, maxRssKb: u.maxRSS }));
  });
}
