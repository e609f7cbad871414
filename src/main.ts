import { main } from './cli.js';

const code = await main(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
// Every command has closed what it opened by now; a library's retry timer (a Slack
// call during an outage, say) must not keep a stopped process alive past its deadline.
process.stdout.write('', () => process.exit(code));
