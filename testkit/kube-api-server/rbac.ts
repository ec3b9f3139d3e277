// RBAC authorisation from the Role, ClusterRole, RoleBinding and ClusterRoleBinding objects the server
// stores, with the matching rules of k8s.io/kubernetes plugin/pkg/auth/authorizer/rbac: verbs, API
// groups, `resource/subresource` (and `*/subresource`), resourceNames, non-resource URLs, and
// ClusterRole aggregation. `system:masters` is allowed everything, as the real server's bootstrap.

import type { RequestAttributes, UserInfo } from './request-info.ts';
import type { KubeObject } from './types.ts';

export interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

interface Binding extends KubeObject {
  roleRef?: { kind: string; name: string };
  subjects?: Subject[];
}

interface Role extends KubeObject {
  rules?: PolicyRule[];
  aggregationRule?: { clusterRoleSelectors?: { matchLabels?: Record<string, string> }[] };
}

/** How the authorizer reads the stored RBAC objects. */
export interface RbacObjects {
  list(
    resource: 'roles' | 'rolebindings' | 'clusterroles' | 'clusterrolebindings',
    namespace?: string,
  ): KubeObject[];
}

export interface Decision {
  allowed: boolean;
  /** Why not, when a binding points at a missing role (the real server's "RBAC: …" reason). */
  reason: string;
}

const has = (list: string[] | undefined, value: string): boolean =>
  (list ?? []).includes('*') || (list ?? []).includes(value);

const resourceMatches = (rule: PolicyRule, resource: string, subresource: string | undefined): boolean => {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return (rule.resources ?? []).some(
    (r) => r === '*' || r === combined || (subresource !== undefined && r === `*/${subresource}`),
  );
};

const nonResourceMatches = (rule: PolicyRule, path: string): boolean =>
  (rule.nonResourceURLs ?? []).some(
    (u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))),
  );

export const ruleAllows = (rule: PolicyRule, attrs: RequestAttributes): boolean => {
  if (!has(rule.verbs, attrs.verb)) return false;
  if (!attrs.resourceRequest) return nonResourceMatches(rule, attrs.path);
  if (!has(rule.apiGroups, attrs.group) || !resourceMatches(rule, attrs.resource, attrs.subresource))
    return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (attrs.name !== undefined && names.includes(attrs.name));
};

const subjectMatches = (subject: Subject, user: UserInfo, bindingNamespace: string | undefined): boolean => {
  switch (subject.kind) {
    case 'User':
      return subject.name === user.username;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount':
      return (
        user.username === `system:serviceaccount:${subject.namespace ?? bindingNamespace}:${subject.name}`
      );
    default:
      return false;
  }
};

/** The bootstrap policy every authenticated user has (system:discovery, system:public-info-viewer). */
const BOOTSTRAP_RULES: PolicyRule[] = [
  {
    verbs: ['get'],
    nonResourceURLs: [
      '/api',
      '/api/*',
      '/apis',
      '/apis/*',
      '/openapi',
      '/openapi/*',
      '/version',
      '/version/',
    ],
  },
  { verbs: ['get'], nonResourceURLs: ['/healthz', '/livez', '/readyz'] },
];

export class RbacAuthorizer {
  readonly #objects: RbacObjects;

  constructor(objects: RbacObjects) {
    this.#objects = objects;
  }

  authorize(user: UserInfo, attrs: RequestAttributes): Decision {
    if (user.groups.includes('system:masters')) return { allowed: true, reason: '' };
    if (
      user.groups.includes('system:authenticated') &&
      BOOTSTRAP_RULES.some((rule) => ruleAllows(rule, attrs))
    ) {
      return { allowed: true, reason: '' };
    }
    const missing: string[] = [];
    const check = (binding: Binding, namespace: string | undefined): boolean => {
      if (!(binding.subjects ?? []).some((s) => subjectMatches(s, user, namespace))) return false;
      const rules = this.#rulesOf(binding, namespace, missing);
      return rules.some((rule) => ruleAllows(rule, attrs));
    };
    for (const binding of this.#objects.list('clusterrolebindings') as Binding[]) {
      if (check(binding, undefined)) return { allowed: true, reason: '' };
    }
    const namespace = attrs.resourceRequest ? attrs.namespace : undefined;
    if (namespace !== undefined) {
      for (const binding of this.#objects.list('rolebindings', namespace) as Binding[]) {
        if (check(binding, namespace)) return { allowed: true, reason: '' };
      }
    }
    return { allowed: false, reason: missing.length ? `RBAC: ${missing.join(', ')}` : '' };
  }

  #rulesOf(binding: Binding, namespace: string | undefined, missing: string[]): PolicyRule[] {
    const ref = binding.roleRef;
    if (!ref) return [];
    if (ref.kind === 'Role' && namespace !== undefined) {
      const role = this.#objects.list('roles', namespace).find((r) => r.metadata.name === ref.name) as
        | Role
        | undefined;
      if (!role) missing.push(`role.rbac.authorization.k8s.io "${ref.name}" not found`);
      return role?.rules ?? [];
    }
    if (ref.kind !== 'ClusterRole') return [];
    const clusterRoles = this.#objects.list('clusterroles') as Role[];
    const role = clusterRoles.find((r) => r.metadata.name === ref.name);
    if (!role) {
      missing.push(`clusterrole.rbac.authorization.k8s.io "${ref.name}" not found`);
      return [];
    }
    // Aggregation, as the clusterrole-aggregation controller would have filled in the rules.
    const selectors = role.aggregationRule?.clusterRoleSelectors ?? [];
    const aggregated = clusterRoles.filter(
      (other) =>
        other !== role &&
        selectors.some((s) =>
          Object.entries(s.matchLabels ?? {}).every(([k, v]) => other.metadata.labels?.[k] === v),
        ),
    );
    return [...(role.rules ?? []), ...aggregated.flatMap((r) => r.rules ?? [])];
  }
}

/** 403 message of k8s.io/apiserver responsewriters.forbiddenMessage, with the user and the attributes. */
export const forbiddenMessage = (user: UserInfo, attrs: RequestAttributes, reason: string): string => {
  let message: string;
  if (!attrs.resourceRequest) {
    message = `User "${user.username}" cannot ${attrs.verb} path "${attrs.path}"`;
  } else {
    const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
    const scope = attrs.namespace ? `in the namespace "${attrs.namespace}"` : 'at the cluster scope';
    message = `User "${user.username}" cannot ${attrs.verb} resource "${resource}" in API group "${attrs.group}" ${scope}`;
  }
  if (reason) message = `${message}: ${reason}`;
  if (!attrs.resourceRequest) return `forbidden: ${message}`;
  const qualified = attrs.group ? `${attrs.resource}.${attrs.group}` : attrs.resource;
  return attrs.name
    ? `${qualified} "${attrs.name}" is forbidden: ${message}`
    : `${qualified} is forbidden: ${message}`;
};
