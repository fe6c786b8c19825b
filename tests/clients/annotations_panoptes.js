// Drives panoptes-client@5.6.2 through annotations against a server on loopback.
// Input (environment): API_BASE (http://127.0.0.1:PORT, no /api), API_TOKEN, IMAGE_SET_ID.
// Output: one JSON object on stdout describing what the client returned.
'use strict';

const { run } = require('./scenario');

const base = process.env.API_BASE;
const token = process.env.API_TOKEN;
const setId = process.env.IMAGE_SET_ID;
if (!base || !token || !setId) {
  process.stderr.write('API_BASE, API_TOKEN and IMAGE_SET_ID are required\n');
  process.exit(2);
}

process.env.PANOPTES_API_HOST = base; // the client calls <host>/api/...
process.env.NODE_ENV = 'test';

const api = require('panoptes-client/lib/api-client');
api.headers.Authorization = 'Bearer ' + token;

const summary = (a) => ({ id: a.id, href: a.href, motivation: a.motivation, value: a.body.value,
                          language: a.body.language, image: a.links.image, image_set: a.links.image_set });

async function main() {
  const out = {};
  // 1. The nested list, filtered by language in the Panoptes form, with the images side-loaded.
  const listed = await api.get('/image_sets/' + setId + '/annotations', { language: 'fr', include: 'image' });
  out.listed = listed.map(summary);
  out.meta = listed[0] && listed[0].getMeta();
  // 2. The flat list of the type, and following an annotation's image.
  const flat = await api.type('annotations').get({ image_set_id: undefined, motivation: 'tagging' });
  out.flat = flat.map(summary);
  const image = await listed[0].get('image');
  out.image = image && { id: image.id, uri: image.uri };
  return out;
}

run('panoptes annotations', main);
