// Drives panoptes-client@5.6.2 through the Sets family (API §7.4) against a server on loopback.
// Input (environment): API_BASE (http://127.0.0.1:PORT, no /api); API_TOKEN (bearer token; leave it out to
// run as an anonymous client); PUBLIC_SET (a published set granted to group.everyone), PRIVATE_SET (a
// published set with no grant), UNPUBLISHED_SET (a set never published).
// Output: one JSON object on stdout describing what the client returned at each step.
//
// The client caches resources by id for the life of the process, so the test runs this script once per
// caller (anonymous, then signed in) rather than switching the Authorization header half-way.
'use strict';

const { attempt, run } = require('./scenario');

const base = process.env.API_BASE;
const token = process.env.API_TOKEN || '';
const publicSet = process.env.PUBLIC_SET;
const privateSet = process.env.PRIVATE_SET;
const unpublishedSet = process.env.UNPUBLISHED_SET;
if (!base || !publicSet || !privateSet || !unpublishedSet) {
  process.stderr.write('API_BASE, PUBLIC_SET, PRIVATE_SET and UNPUBLISHED_SET are required\n');
  process.exit(2);
}

process.env.PANOPTES_API_HOST = base; // the client calls <host>/api/...
process.env.NODE_ENV = 'test';

const api = require('panoptes-client/lib/api-client');
if (token) {
  api.headers.Authorization = 'Bearer ' + token;
}

const setSummary = (set) => ({
  id: set.id,
  href: set.href,
  title: set.title,
  description_html: set.description_html,
  items: set.links && set.links.items,
  versions: set.links && set.links.versions,
  latest_version: set.links && set.links.latest_version,
  published_version: set.links && set.links.published_version,
});
// a followed item: its type is the key the server listed it under (the client's type name)
const itemSummary = (item) => ({ type: item._type._name, id: item.id, href: item.href, title: item.title });
const versionSummary = (v) => v && ({ type: v._type._name, id: v.id, href: v.href, state: v.state, title: v.title });

async function main() {
  const out = { signed_in: Boolean(token) };

  // 1. The list: GET /sets (published sets the caller may view), sorted by title.
  const listed = await api.type('sets').get({ sort: 'title' });
  out.listed = listed.map(setSummary);
  out.listed_meta = listed[0] && listed[0].getMeta();
  out.templates = api.type('sets')._links;

  // 2. Follow the public set's relations: items (the href in links.items, answered type by type),
  //    versions (the sets.versions template) and published_version (the set_versions template).
  const set = listed.find((s) => s.id === publicSet);
  out.followed_items = (await set.get('items')).map(itemSummary);
  out.followed_versions = (await set.get('versions')).map(versionSummary);
  const published = await set.get('published_version');
  out.followed_published = versionSummary(published);
  // …and from the published version on: its own items, and back to its set.
  out.published_items = (await published.get('items')).map(itemSummary);
  const back = await published.get('set');
  out.published_set = back && { id: back.id, title: back.title };
  // the superseded version keeps the content it had
  const superseded = (await set.get('versions')).find((v) => v.state === 'superseded');
  out.superseded_items = superseded ? (await superseded.get('items')).map(itemSummary) : null;
  if (token) {
    // the editor's latest version is the draft (a viewer's links.latest_version names it too, but the viewer
    // cannot read it; and a resource.get() that fails leaves a rejection inside the client that ends Node)
    out.latest = versionSummary(await set.get('latest_version'));
  }

  // 3. Single reads by id: the private set and the never-published one.
  out.private = await attempt(async () => setSummary(await api.type('sets').get(privateSet)));
  out.unpublished = await attempt(async () => setSummary(await api.type('sets').get(unpublishedSet)));
  out.draft = await attempt(async () => versionSummary((await api.get('/sets/' + publicSet + '/versions/draft'))[0]));

  return out;
}

run('panoptes sets', main);
