// What every client scenario shares: catching an expected failure as data, and printing the result.
'use strict';

// A rejected call becomes data the test can assert on: the HTTP status (axios keeps it on
// err.response, panoptes-client on err.status), the server's errors array (kitsu), and the message.
async function attempt(fn) {
  try {
    return { ok: await fn() };
  } catch (err) {
    const message = String(err && err.message);
    return {
      status: err && err.response ? err.response.status : err && err.status,
      errors: err && err.errors,
      message,
      error: message,
    };
  }
}

// Run a scenario: its result as one JSON line on stdout, or the failure on stderr and exit 1.
function run(name, main) {
  main().then(
    (out) => {
      process.stdout.write(JSON.stringify(out) + '\n');
    },
    (err) => {
      const detail = (err && err.errors ? ' errors=' + JSON.stringify(err.errors) : '') +
        (err && err.status ? ' (status ' + err.status + ')' : '');
      process.stderr.write(name + ' scenario failed: ' + (err && err.stack ? err.stack : String(err)) + detail + '\n');
      process.exit(1);
    },
  );
}

// A kitsu client for this API: types and paths are snake_case plurals already, so kitsu must not rewrite them.
async function kitsuClient(base, token) {
  const { default: Kitsu } = await import('kitsu'); // kitsu 11 ships as an ES module
  return new Kitsu({
    baseURL: base + '/api',
    resourceCase: 'none',
    pluralize: false,
    camelCaseTypes: false,
    headers: { Authorization: 'Bearer ' + token },
    timeout: 20000,
  });
}

module.exports = { attempt, kitsuClient, run };
