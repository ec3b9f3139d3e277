import { describe, expect, it } from 'vitest';
import { attribute } from './ownership.ts';

const live = {
  metadata: {
    managedFields: [
      {
        manager: 'kustomize-controller',
        operation: 'Apply',
        time: '2026-01-01T00:00:00Z',
        fieldsV1: { 'f:spec': { 'f:replicas': {}, 'f:template': { 'f:spec': { 'f:containers': {} } } } },
      },
      {
        manager: 'kubectl-edit',
        operation: 'Update',
        time: '2026-01-02T00:00:00Z',
        fieldsV1: {
          'f:spec': {
            'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:image': {} } } } },
          },
        },
      },
      {
        manager: 'vpa-recommender',
        operation: 'Update',
        time: '2026-01-03T00:00:00Z',
        fieldsV1: {
          'f:spec': {
            'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:resources': {} } } } },
          },
        },
      },
    ],
  },
  spec: { replicas: 2, template: { spec: { containers: [{ name: 'web', image: 'x', resources: {} }] } } },
};

describe('attribute', () => {
  it('finds the manual editor of a list item by its key', () => {
    expect(attribute(live, ['spec', 'template', 'spec', 'containers', '0', 'image'])).toEqual({
      cause: 'manual-edit',
      manager: 'kubectl-edit',
    });
  });

  it('names another controller, through an atomic parent', () => {
    expect(
      attribute(live, ['spec', 'template', 'spec', 'containers', '0', 'resources', 'limits', 'cpu']),
    ).toEqual({
      cause: 'controller',
      manager: 'vpa-recommender',
    });
  });

  it('does not blame the applier itself', () => {
    expect(attribute(live, ['spec', 'replicas'])).toEqual({ cause: 'unknown' });
    expect(attribute({ metadata: {} }, ['spec'])).toEqual({ cause: 'unknown' });
  });
});
