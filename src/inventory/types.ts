// The inventory model: Ansible's INI / YAML inventories (plus host_vars/ and group_vars/ next to
// them) loaded into hosts with merged variables, following Ansible's precedence.

export type VarValue = string | number | boolean | null | VarValue[] | { [k: string]: VarValue };
export type Vars = Record<string, VarValue>;

export interface InventoryHost {
  name: string;
  /** Merged variables (group_vars by depth, then host vars), as `ansible-inventory --list` shows them. */
  vars: Vars;
  /** Every group the host belongs to, directly or through children, including "all" (and "ungrouped" when it has no other group). */
  groups: string[];
}

export interface InventoryGroup {
  name: string;
  hosts: string[]; // direct hosts, in inventory order
  children: string[];
  vars: Vars;
  /** Ansible's group depth (all = 0, its children 1, ...); orders group variables. */
  depth?: number;
  /** ansible_group_priority (default 1); orders groups of the same depth. */
  priority?: number;
}

export interface Inventory {
  /** Source path(s) it was loaded from. */
  sources: string[];
  /** Hosts in inventory order (the order Ansible lists them). */
  hosts: InventoryHost[];
  groups: Record<string, InventoryGroup>;
  /** Group names in the order Ansible created them (a Record puts integer-like keys first). */
  groupOrder?: string[];
  /** Host names in the order they were first defined (Ansible matches host globs in this order). */
  hostOrder?: string[];
}

/** The connection parameters kfleet derives from a host's variables. */
export interface ConnectionVars {
  host: string; // inventory name
  address: string; // ansible_host or the name
  port: number | undefined; // ansible_port
  user: string | undefined; // ansible_user
  privateKeyFile: string | undefined; // ansible_ssh_private_key_file
  become: boolean; // ansible_become
  becomeUser: string | undefined; // ansible_become_user (default root)
  becomeMethod: string | undefined; // ansible_become_method (only sudo supported)
  /** ansible_become_password / ansible_become_pass: a secret, never logged. */
  becomePassword: string | undefined;
  sshCommonArgs: string | undefined; // ansible_ssh_common_args (ProxyJump via -J / -o ProxyJump=)
  connectTimeoutS: number | undefined; // ansible_ssh_timeout / ansible_timeout
}
