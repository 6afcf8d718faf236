import type { CategoryDefinition, Locale, RenderedMessage, TemplateDefinition } from './types.js';

/** Categories and templates known to this process: the platform's own, then every module's. */
export class TemplateRegistry {
  private readonly templates = new Map<string, TemplateDefinition<any>>();
  private readonly categories = new Map<string, CategoryDefinition>();

  defineCategory(category: CategoryDefinition): void {
    if (!/^[a-z][a-z0-9_.-]{0,62}$/.test(category.name)) throw new Error(`notification category "${category.name}": use lower case, digits, . _ -`);
    this.categories.set(category.name, category);
  }

  defineTemplate<D>(template: TemplateDefinition<D>): void {
    if (!/^[a-z][a-z0-9_.-]{0,62}$/.test(template.name)) throw new Error(`notification template "${template.name}": use lower case, digits, . _ -`);
    if (!this.categories.has(template.category)) throw new Error(`notification template "${template.name}": define category "${template.category}" first`);
    if (this.templates.has(template.name)) throw new Error(`notification template "${template.name}" is defined twice`);
    this.templates.set(template.name, template);
  }

  template(name: string): TemplateDefinition<any> {
    const template = this.templates.get(name);
    if (!template) throw new Error(`unknown notification template "${name}" (define it with notify.defineTemplate)`);
    return template;
  }

  category(name: string): CategoryDefinition {
    const category = this.categories.get(name);
    if (!category) throw new Error(`unknown notification category "${name}" (define it with notify.defineCategory)`);
    return category;
  }

  allCategories(): CategoryDefinition[] {
    return [...this.categories.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  render(name: string, locale: Locale, data: Record<string, unknown>): RenderedMessage {
    return this.template(name)[locale](data);
  }
}
