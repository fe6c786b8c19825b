// Drives kitsu@11.1.0 through annotations (nested under an image set) against a server on loopback.
// Input (environment): API_BASE (http://127.0.0.1:PORT, no /api), API_TOKEN, IMAGE_SET_ID, IMAGE_ID (an image
// of the set). Output: one JSON object on stdout describing what kitsu returned at each step.
'use strict';

const { attempt, kitsuClient, run } = require('./scenario');

const base = process.env.API_BASE;
const token = process.env.API_TOKEN;
const setId = process.env.IMAGE_SET_ID;
const imageId = process.env.IMAGE_ID;
if (!base || !token || !setId || !imageId) {
  process.stderr.write('API_BASE, API_TOKEN, IMAGE_SET_ID and IMAGE_ID are required\n');
  process.exit(2);
}

async function main() {
  const api = await kitsuClient(base, token);
  const path = 'image_sets/' + setId + '/annotations';
  const out = {};

  // 1. Create: kitsu takes the type apart from the nested URL through request().
  const created = await api.request({
    method: 'POST', url: path, type: 'annotations',
    body: {
      motivation: 'commenting',
      body: { value: 'Made by kitsu', language: 'en', format: 'text/plain' },
      selector: 'xywh=10,10,50,50',
      image: { data: { type: 'images', id: imageId } },
    },
  });
  out.created = { id: created.data.id, type: created.data.type, body: created.data.body,
                  selector: created.data.selector, image: created.data.image.data.id };

  // 2. Read the list back with the image and the creator included (kitsu merges them in).
  const listed = await api.get(path, { params: { include: 'image,creator', filter: { motivation: 'commenting' } } });
  out.listed = listed.data.map((a) => ({ id: a.id, value: a.body.value, image_uri: a.image.data.uri,
                                         creator: a.creator.data.login }));

  // 3. A language the set does not allow: the error kitsu hands back.
  out.refused = await attempt(() => api.request({
    method: 'POST', url: path, type: 'annotations',
    body: { motivation: 'commenting', body: { value: 'Nein', language: 'de' },
            image: { data: { type: 'images', id: imageId } } },
  }));
  return out;
}

run('kitsu annotations', main);
