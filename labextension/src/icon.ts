import { LabIcon } from '@jupyterlab/ui-components';

const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">' +
  '<path class="jp-icon3" fill="#616161" d="M12 2 4 10h5v6h6v-6h5zM5 18h14v3H5z"/></svg>';

/** The Promote icon: an arrow up onto a base (sidebar tab, toolbar button, settings). */
export const promoteIcon = new LabIcon({ name: 'jupyter-promote:icon', svgstr: ICON_SVG });
